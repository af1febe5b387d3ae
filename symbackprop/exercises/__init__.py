"""Exercises for a class: one variant per student (:mod:`.variants`: sheets, keys, manifest)
and the LMS export (:mod:`.lms`: Moodle XML, questions JSON/CSV)."""
