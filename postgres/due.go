package postgres

func (dialect) Epoch(col string) string { return `floor(extract(epoch FROM ` + col + `))::bigint` }
