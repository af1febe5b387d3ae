"""The mathematics every later stage reads: canonical ids, exact decimal arithmetic, the table of
operations, the network as a graph of named quantities (:mod:`.model`), notation,
the expression grammar and computational graphs (:mod:`.graph`), exact evaluation."""
