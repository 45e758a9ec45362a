package lint

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

func TestSSORoleConfig(t *testing.T) {
	for _, tc := range []struct {
		name, yaml    string
		admin, editor []string
		def           hindsight.Role
		err           []string
	}{
		{"none", "rules:\n  HS001: off\n", nil, nil, "", nil},
		{"all keys", "sso:\n  admin_groups: [ops-admins]\n  editor_groups: [eng, sre]\n  default_role: Editor\n",
			[]string{"ops-admins"}, []string{"eng", "sre"}, hindsight.RoleEditor, nil},
		{"bad role", "sso:\n  default_role: boss\n", nil, nil, "", []string{".hindsight.yaml:2:", `sso.default_role "boss"`, "viewer, editor or admin"}},
		{"role not a scalar", "sso:\n  default_role: [viewer]\n", nil, nil, "", []string{".hindsight.yaml:2:", "sso.default_role"}},
		{"groups not a list", "sso:\n  admin_groups: {a: b}\n", nil, nil, "", []string{".hindsight.yaml:2"}},
		{"unknown key", "sso:\n  admin_group: [a]\n", nil, nil, "", []string{".hindsight.yaml:2:", "admin_groups, editor_groups or default_role"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig(".hindsight.yaml", []byte(tc.yaml))
			if tc.err != nil {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range tc.err {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.SSOAdminGroups, tc.admin) || !reflect.DeepEqual(c.SSOEditorGroups, tc.editor) || c.SSODefaultRole != tc.def {
				t.Errorf("got %v %v %q, want %v %v %q", c.SSOAdminGroups, c.SSOEditorGroups, c.SSODefaultRole, tc.admin, tc.editor, tc.def)
			}
		})
	}
}
