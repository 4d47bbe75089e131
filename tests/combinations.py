"""The template's questions, read through the CLI's own reader (never a hand-kept list)."""

from pathlib import Path

from fastapi_starter import questions

REPO = Path(__file__).resolve().parent.parent
ALL_QUESTIONS = questions.load(REPO / "copier.yml")
QUESTIONS = questions.asked(ALL_QUESTIONS)
