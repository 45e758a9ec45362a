package app

// SetOpenItemsPage sets openItemsPage for a test; the returned func
// restores it.
func SetOpenItemsPage(n int) func() {
	old := openItemsPage
	openItemsPage = n
	return func() { openItemsPage = old }
}
