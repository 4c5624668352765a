"""Views of one SubmissionResult. Each is render(result) -> str and recomputes nothing."""
