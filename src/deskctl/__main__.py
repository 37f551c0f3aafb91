import sys

from deskctl.entry import main

sys.exit(main())
