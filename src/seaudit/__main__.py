from seaudit.cli import main

raise SystemExit(main())
