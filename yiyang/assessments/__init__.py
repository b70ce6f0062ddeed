"""Assessments (评估): one engine that scores every national instrument from its data file."""
