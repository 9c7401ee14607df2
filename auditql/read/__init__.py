"""Bytes in: text layout and decoding, safe .zip/.gz unpacking, one reader per file format."""
