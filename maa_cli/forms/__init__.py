"""Writing forms: planning which forms an audit needs, then Word and Excel writers."""
