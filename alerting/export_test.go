package alerting

// SetCrashPoint makes r's applier stop at point as if its process died
// there: "claimed" (after claiming inbox entries, before saving them) or
// "saved" (after the save, before finishing the entries); "" runs normally.
// The entries stay claimed until their lease ends.
func SetCrashPoint(r *Receivers, point string) { r.crashAt = point }
