"""Cultural vectors: what people write about music, turned into terms per artist and track.

Text in (crawled pages, tags); mentions of catalog artists, candidate terms, Echo-Nest-style
top-term weights, sparse cultural vectors, cosine similarity and a `CultureScorer` out.
Pure library: numpy and scipy only; the webapp stores documents and calls these functions.
"""
