"""Units: the administrative tree (province, district, commune, department)."""
