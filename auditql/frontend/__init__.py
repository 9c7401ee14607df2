"""What several front ends share: completion, the query text they read, the progress line, the timeline."""
