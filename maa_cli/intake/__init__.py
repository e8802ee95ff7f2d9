"""Intake: from a file in ``returns/`` to a judged, recorded response (``maa collect``).

The stages, in the order a returned file meets them:

``sources``     finds candidate files under ``returns/``
``examine``     copies one file once, then runs the stages below on that copy
``safety``      decides what the file is from its bytes, and refuses hostile files
``readers``     reads answers out of a Word or Excel form, never raising
``normalise``   turns typed answers into values ("yes" → "Yes", dates)
``judging``     decides complete, incomplete, urgent, per question
``decision``    the typed record of what was decided about one file
``duplicates``  one form returned more than once: copies, conflicts, choices
``state``       what is kept between runs and the response records reports read
``collect``     runs the stages over every file, safely and repeatably
``status``      who has returned what, from the last collect
"""
