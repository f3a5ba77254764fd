import sys

from evalscope.cli.main import main

sys.exit(main())
