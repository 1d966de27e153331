"""How Task states reach the outside world: resource ARNs, Lambda, and pluggable resolvers."""
