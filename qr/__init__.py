"""Counter tokens, QR images and printable posters."""
