int server_placeholder_unused(void); int server_placeholder_unused(void) { return 0; }
