from perito.cli import main

raise SystemExit(main())
