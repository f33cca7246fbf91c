"""`python -m app.cli` runs the groundqa command."""
import sys

from app.cli.main import main

sys.exit(main())
