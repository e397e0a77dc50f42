"""The SIPAS index, computed exactly by the method, from tallies or from raw answers."""
