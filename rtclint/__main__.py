from rtclint.cli import main

main()
