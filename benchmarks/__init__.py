"""Development-only benchmark code: yardsticks for `tietohuolto bench`, never shipped."""
