"""Node.js functions: a warm `node` process per function, its AWS calls answered by the local stack."""
