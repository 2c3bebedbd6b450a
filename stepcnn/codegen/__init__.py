"""Generated code: standalone training scripts (``stepcnn code``) and graded exercises
(``stepcnn exercise`` / ``stepcnn verify``)."""
