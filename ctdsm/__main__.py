from ctdsm.cli import main

main()
