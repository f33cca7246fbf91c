"""The answer engine: the extractive answerer, question types, confidence calibration and verification."""
from app.answer.extractive import Answerer, contextualize
from app.answer.verify import ABSTAIN_TEXT, VerificationError, verify

__all__ = ["ABSTAIN_TEXT", "Answerer", "VerificationError", "contextualize", "verify"]
