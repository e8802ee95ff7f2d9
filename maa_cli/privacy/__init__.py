"""Privacy: masking names and dates of birth before anything leaves the restricted side."""
