"""Test helpers every app's tests may import (never imported by application code)."""
