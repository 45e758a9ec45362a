package hindsight

import (
	"context"
	"time"
)

// Setting is a named value an administrator keeps in the database instead
// of a file (the shape of the postmortem template: SettingShape). Version
// counts its saves, so two administrators editing at once cannot lose each
// other's change: a save names the version it was loaded from.
type Setting struct {
	Key       string    `json:"key"`
	Value     string    `json:"value"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// SettingShape is the setting holding the shape (.hindsight.yaml's fields,
// taxonomy, tags and templates keys, as YAML) an administrator saved.
const SettingShape = "shape"

// MaxSettingBytes bounds a setting's value.
const MaxSettingBytes = 256 << 10

// SettingPut saves a setting when its stored version is still Base (0:
// there is none yet), with its audit entries in the same transaction.
type SettingPut struct {
	Key   string
	Value string
	By    string // who saves, as people read it (a revision's author)
	Base  int
	Audit []AuditEntry
}

// SettingStore keeps settings. sqlstore implements it.
type SettingStore interface {
	// FindSetting returns a setting (ENotFound when none was saved).
	FindSetting(ctx context.Context, key string) (*Setting, error)
	// PutSetting saves p.Value as version p.Base+1 when the stored version
	// is p.Base, else EConflict naming who saved it and when.
	PutSetting(ctx context.Context, p SettingPut) (*Setting, error)
}
