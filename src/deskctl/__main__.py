import sys

from deskctl.cli.entry import main

sys.exit(main())
