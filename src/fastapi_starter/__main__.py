from fastapi_starter.cli import main

main()
