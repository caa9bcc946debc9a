// Package schemadiff compares two GraphQL schemas and says what a client of the old one meets in
// the new one: each change is breaking, dangerous or safe, after the rules graphql-inspector and
// graphql-js apply. Check adds Tailor's deprecation policy on top.
package schemadiff

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// Severity says how a change affects clients written against the old schema.
type Severity int

// Severities, most serious first; changes sort in this order.
const (
	// Breaking: some valid operation of the old schema fails or returns data its client cannot read.
	Breaking Severity = iota + 1
	// Dangerous: every old operation still runs, but a client may meet values it did not expect.
	Dangerous
	// Safe: no old operation behaves differently.
	Safe
)

// String returns the severity as a lower-case word: breaking, dangerous or safe.
func (s Severity) String() string {
	switch s {
	case Breaking:
		return "breaking"
	case Dangerous:
		return "dangerous"
	case Safe:
		return "safe"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Kinds of change, the Kind of a Change.
const (
	// TypeRemoved: a named type is gone.
	TypeRemoved = "TYPE_REMOVED"
	// TypeAdded: a named type is new.
	TypeAdded = "TYPE_ADDED"
	// TypeKindChanged: a type keeps its name but is now another kind (object, enum, …).
	TypeKindChanged = "TYPE_KIND_CHANGED"
	// FieldRemoved: an object or interface field is gone.
	FieldRemoved = "FIELD_REMOVED"
	// FieldAdded: an object or interface field is new.
	FieldAdded = "FIELD_ADDED"
	// FieldTypeChanged: an object or interface field returns another type.
	FieldTypeChanged = "FIELD_TYPE_CHANGED"
	// InputFieldRemoved: an input object field is gone.
	InputFieldRemoved = "INPUT_FIELD_REMOVED"
	// InputFieldAdded: an input object field is new.
	InputFieldAdded = "INPUT_FIELD_ADDED"
	// InputFieldTypeChanged: an input object field takes another type.
	InputFieldTypeChanged = "INPUT_FIELD_TYPE_CHANGED"
	// InputFieldDefaultChanged: an input object field's default value changed, appeared or went.
	InputFieldDefaultChanged = "INPUT_FIELD_DEFAULT_CHANGED"
	// ArgumentRemoved: a field or directive argument is gone.
	ArgumentRemoved = "ARGUMENT_REMOVED"
	// ArgumentAdded: a field or directive argument is new.
	ArgumentAdded = "ARGUMENT_ADDED"
	// ArgumentTypeChanged: a field or directive argument takes another type.
	ArgumentTypeChanged = "ARGUMENT_TYPE_CHANGED"
	// ArgumentDefaultChanged: an argument's default value changed, appeared or went.
	ArgumentDefaultChanged = "ARGUMENT_DEFAULT_CHANGED"
	// EnumValueRemoved: an enum value is gone.
	EnumValueRemoved = "ENUM_VALUE_REMOVED"
	// EnumValueAdded: an enum value is new.
	EnumValueAdded = "ENUM_VALUE_ADDED"
	// UnionMemberRemoved: a union no longer includes a type.
	UnionMemberRemoved = "UNION_MEMBER_REMOVED"
	// UnionMemberAdded: a union includes a type it did not.
	UnionMemberAdded = "UNION_MEMBER_ADDED"
	// InterfaceRemoved: a type no longer implements an interface.
	InterfaceRemoved = "INTERFACE_REMOVED"
	// InterfaceAdded: a type implements an interface it did not.
	InterfaceAdded = "INTERFACE_ADDED"
	// DeprecationAdded: a field, argument, input field or enum value is now @deprecated.
	DeprecationAdded = "DEPRECATION_ADDED"
	// DeprecationRemoved: a field, argument, input field or enum value is no longer @deprecated.
	DeprecationRemoved = "DEPRECATION_REMOVED"
	// DeprecationReasonChanged: a deprecation gives another reason.
	DeprecationReasonChanged = "DEPRECATION_REASON_CHANGED"
	// DescriptionChanged: a description changed, appeared or went.
	DescriptionChanged = "DESCRIPTION_CHANGED"
	// DirectiveRemoved: a directive definition is gone.
	DirectiveRemoved = "DIRECTIVE_REMOVED"
	// DirectiveAdded: a directive definition is new.
	DirectiveAdded = "DIRECTIVE_ADDED"
	// DirectiveLocationRemoved: a directive may no longer be used at a location.
	DirectiveLocationRemoved = "DIRECTIVE_LOCATION_REMOVED"
	// DirectiveLocationAdded: a directive may be used at a new location.
	DirectiveLocationAdded = "DIRECTIVE_LOCATION_ADDED"
	// DirectiveRepeatableChanged: a directive became repeatable or stopped being so.
	DirectiveRepeatableChanged = "DIRECTIVE_REPEATABLE_CHANGED"
	// RootTypeChanged: the query, mutation or subscription root changed, appeared or went.
	RootTypeChanged = "ROOT_TYPE_CHANGED"
)

// Change is one difference between two schemas.
type Change struct {
	Severity Severity
	// Kind is one of the kind constants of this package, such as FieldRemoved.
	Kind string
	// Path names the element: "User", "User.email", "Query.search(first:)",
	// "ContentKind.LINK", "@auth", "@auth(requires:)" or "schema.query".
	Path string
	// Message says what changed, in a phrase meant for a changelog.
	Message string
}

// Load builds one schema from sources, as gqlgen does: the built-in types come first, and
// `extend type` in any source extends a type defined in any other.
func Load(sources ...*ast.Source) (*ast.Schema, error) {
	s, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		return nil, fmt.Errorf("load schema: %w", err)
	}
	return s, nil
}

// Diff returns the changes from old to new, most severe first and then by path. Built-in
// scalars, directives and introspection types are left out.
func Diff(old, new *ast.Schema) []Change {
	found := diff(old, new)
	changes := make([]Change, len(found))
	for i, c := range found {
		changes[i] = c.Change
	}
	return changes
}

// change is a Change plus what Check needs to judge a removal.
type change struct {
	Change
	// removed holds the directives a removed field, input field, argument or enum value had
	// in the old schema, so Check can read its deprecation.
	removed ast.DirectiveList
}

func diff(old, new *ast.Schema) []change {
	var d differ
	d.roots(old, new)
	for _, name := range sortedKeys(old.Types) {
		o := old.Types[name]
		if o.BuiltIn {
			continue
		}
		n := new.Types[name]
		if n == nil || n.BuiltIn {
			d.add(Breaking, TypeRemoved, name, "%s removed", kindName(o.Kind))
			continue
		}
		d.definition(o, n)
	}
	for _, name := range sortedKeys(new.Types) {
		n := new.Types[name]
		if o := old.Types[name]; !n.BuiltIn && (o == nil || o.BuiltIn) {
			d.add(Safe, TypeAdded, name, "%s added", kindName(n.Kind))
		}
	}
	for _, name := range sortedKeys(old.Directives) {
		o := old.Directives[name]
		if builtInDirective(o) {
			continue
		}
		n := new.Directives[name]
		if n == nil || builtInDirective(n) {
			d.add(Breaking, DirectiveRemoved, "@"+name, "directive removed")
			continue
		}
		d.directive(o, n)
	}
	for _, name := range sortedKeys(new.Directives) {
		n := new.Directives[name]
		if o := old.Directives[name]; !builtInDirective(n) && (o == nil || builtInDirective(o)) {
			d.add(Safe, DirectiveAdded, "@"+name, "directive added")
		}
	}
	slices.SortStableFunc(d.changes, func(a, b change) int {
		return cmp.Or(
			cmp.Compare(a.Severity, b.Severity),
			strings.Compare(a.Path, b.Path),
			strings.Compare(a.Kind, b.Kind),
			strings.Compare(a.Message, b.Message),
		)
	})
	return d.changes
}

// differ collects the changes of one Diff.
type differ struct {
	changes []change
}

func (d *differ) add(sev Severity, kind, path, format string, args ...any) {
	d.changes = append(d.changes, change{Change: Change{Severity: sev, Kind: kind, Path: path, Message: fmt.Sprintf(format, args...)}})
}

// addRemoval records the removal of a deprecatable element together with its old directives.
func (d *differ) addRemoval(kind, path, what string, old ast.DirectiveList) {
	msg := what + " removed"
	if reason, ok := deprecationReason(old); ok {
		msg += fmt.Sprintf(" (was deprecated: %s)", reason)
	}
	d.changes = append(d.changes, change{
		Change:  Change{Severity: Breaking, Kind: kind, Path: path, Message: msg},
		removed: old,
	})
}

func (d *differ) roots(old, new *ast.Schema) {
	for _, r := range []struct {
		op       string
		old, new *ast.Definition
	}{
		{"query", old.Query, new.Query},
		{"mutation", old.Mutation, new.Mutation},
		{"subscription", old.Subscription, new.Subscription},
	} {
		path := "schema." + r.op
		switch {
		case r.old == nil && r.new == nil:
		case r.old == nil:
			d.add(Safe, RootTypeChanged, path, "%s root `%s` added", r.op, r.new.Name)
		case r.new == nil:
			d.add(Breaking, RootTypeChanged, path, "%s root `%s` removed", r.op, r.old.Name)
		case r.old.Name != r.new.Name:
			d.add(Breaking, RootTypeChanged, path, "%s root changed from `%s` to `%s`", r.op, r.old.Name, r.new.Name)
		}
	}
}

// definition compares two versions of the named type o.Name.
func (d *differ) definition(o, n *ast.Definition) {
	path := o.Name
	if o.Kind != n.Kind {
		d.add(Breaking, TypeKindChanged, path, "changed from %s to %s", kindName(o.Kind), kindName(n.Kind))
		return
	}
	d.description(path, o.Description, n.Description)
	switch o.Kind {
	case ast.Object, ast.Interface:
		d.interfaces(path, o.Interfaces, n.Interfaces)
		d.outputFields(path, o.Fields, n.Fields)
	case ast.InputObject:
		d.inputValues(path, inputFields(o.Fields), inputFields(n.Fields), inputFieldRules())
	case ast.Enum:
		d.enumValues(path, o.EnumValues, n.EnumValues)
	case ast.Union:
		d.unionMembers(path, o.Types, n.Types)
	}
}

func (d *differ) interfaces(path string, old, new []string) {
	for _, name := range old {
		if !slices.Contains(new, name) {
			d.add(Breaking, InterfaceRemoved, path, "no longer implements `%s`", name)
		}
	}
	for _, name := range new {
		if !slices.Contains(old, name) {
			d.add(Safe, InterfaceAdded, path, "implements `%s`", name)
		}
	}
}

func (d *differ) unionMembers(path string, old, new []string) {
	for _, name := range old {
		if !slices.Contains(new, name) {
			d.add(Breaking, UnionMemberRemoved, path, "member `%s` removed", name)
		}
	}
	for _, name := range new {
		if !slices.Contains(old, name) {
			// A client that handles every member it knows meets one it does not.
			d.add(Dangerous, UnionMemberAdded, path, "member `%s` added", name)
		}
	}
}

func (d *differ) outputFields(typePath string, old, new ast.FieldList) {
	for _, o := range old {
		path := typePath + "." + o.Name
		n := new.ForName(o.Name)
		if n == nil {
			d.addRemoval(FieldRemoved, path, "field", o.Directives)
			continue
		}
		if o.Type.String() != n.Type.String() {
			sev := Breaking
			if safeOutputChange(o.Type, n.Type) {
				sev = Safe
			}
			d.add(sev, FieldTypeChanged, path, "type changed from `%s` to `%s`", o.Type, n.Type)
		}
		d.inputValues(path, arguments(o.Arguments), arguments(n.Arguments), argumentRules())
		d.deprecation(path, o.Directives, n.Directives)
		d.description(path, o.Description, n.Description)
	}
	for _, n := range new {
		if old.ForName(n.Name) == nil {
			d.add(Safe, FieldAdded, typePath+"."+n.Name, "field added")
		}
	}
}

func (d *differ) enumValues(typePath string, old, new ast.EnumValueList) {
	for _, o := range old {
		path := typePath + "." + o.Name
		n := new.ForName(o.Name)
		if n == nil {
			d.addRemoval(EnumValueRemoved, path, "enum value", o.Directives)
			continue
		}
		d.deprecation(path, o.Directives, n.Directives)
		d.description(path, o.Description, n.Description)
	}
	for _, n := range new {
		if old.ForName(n.Name) == nil {
			// A client with an exhaustive switch over the enum meets a value it does not know.
			d.add(Dangerous, EnumValueAdded, typePath+"."+n.Name, "enum value added")
		}
	}
}

func (d *differ) directive(o, n *ast.DirectiveDefinition) {
	path := "@" + o.Name
	d.description(path, o.Description, n.Description)
	for _, loc := range o.Locations {
		if !slices.Contains(n.Locations, loc) {
			d.add(Breaking, DirectiveLocationRemoved, path, "no longer allowed on %s", loc)
		}
	}
	for _, loc := range n.Locations {
		if !slices.Contains(o.Locations, loc) {
			d.add(Safe, DirectiveLocationAdded, path, "allowed on %s", loc)
		}
	}
	switch {
	case o.IsRepeatable && !n.IsRepeatable:
		d.add(Breaking, DirectiveRepeatableChanged, path, "no longer repeatable")
	case !o.IsRepeatable && n.IsRepeatable:
		d.add(Safe, DirectiveRepeatableChanged, path, "now repeatable")
	}
	d.inputValues(path, arguments(o.Arguments), arguments(n.Arguments), argumentRules())
}

// inputValue is what arguments and input object fields have in common.
type inputValue struct {
	name        string
	description string
	typ         *ast.Type
	defaultVal  *ast.Value
	directives  ast.DirectiveList
}

func arguments(list ast.ArgumentDefinitionList) []inputValue {
	vals := make([]inputValue, len(list))
	for i, a := range list {
		vals[i] = inputValue{a.Name, a.Description, a.Type, a.DefaultValue, a.Directives}
	}
	return vals
}

func inputFields(list ast.FieldList) []inputValue {
	vals := make([]inputValue, len(list))
	for i, f := range list {
		vals[i] = inputValue{f.Name, f.Description, f.Type, f.DefaultValue, f.Directives}
	}
	return vals
}

// inputRules names the kinds and paths of one sort of input value: arguments or input fields.
type inputRules struct {
	what                                        string
	removed, added, typeChanged, defaultChanged string
	path                                        func(parent, name string) string
}

// argumentRules are the kinds and paths of field and directive arguments.
func argumentRules() inputRules {
	return inputRules{
		what: "argument", removed: ArgumentRemoved, added: ArgumentAdded,
		typeChanged: ArgumentTypeChanged, defaultChanged: ArgumentDefaultChanged,
		path: func(parent, name string) string { return parent + "(" + name + ":)" },
	}
}

// inputFieldRules are the kinds and paths of input object fields.
func inputFieldRules() inputRules {
	return inputRules{
		what: "input field", removed: InputFieldRemoved, added: InputFieldAdded,
		typeChanged: InputFieldTypeChanged, defaultChanged: InputFieldDefaultChanged,
		path: func(parent, name string) string { return parent + "." + name },
	}
}

func (d *differ) inputValues(parent string, old, new []inputValue, r inputRules) {
	for _, o := range old {
		path := r.path(parent, o.name)
		n, ok := findInput(new, o.name)
		if !ok {
			d.addRemoval(r.removed, path, r.what, o.directives)
			continue
		}
		if o.typ.String() != n.typ.String() {
			sev := Breaking
			if safeInputChange(o.typ, n.typ) {
				sev = Safe
			}
			d.add(sev, r.typeChanged, path, "type changed from `%s` to `%s`", o.typ, n.typ)
		}
		d.defaultValue(path, o, n, r)
		d.deprecation(path, o.directives, n.directives)
		d.description(path, o.description, n.description)
	}
	for _, n := range new {
		if _, ok := findInput(old, n.name); ok {
			continue
		}
		path := r.path(parent, n.name)
		if required(n) {
			d.add(Breaking, r.added, path, "required %s added", r.what)
		} else {
			d.add(Safe, r.added, path, "optional %s added", r.what)
		}
	}
}

func (d *differ) defaultValue(path string, o, n inputValue, r inputRules) {
	was, is := valueString(o.defaultVal), valueString(n.defaultVal)
	switch {
	case was == is:
	case is == "" && required(n) && !required(o):
		// Same non-null type, default gone: every operation that left the value out now fails.
		d.add(Breaking, r.defaultChanged, path, "default `%s` removed; the %s is now required", was, r.what)
	case was == "":
		d.add(Dangerous, r.defaultChanged, path, "default `%s` added", is)
	case is == "":
		d.add(Dangerous, r.defaultChanged, path, "default `%s` removed", was)
	default:
		d.add(Dangerous, r.defaultChanged, path, "default changed from `%s` to `%s`", was, is)
	}
}

func (d *differ) deprecation(path string, old, new ast.DirectiveList) {
	was, wasDep := deprecationReason(old)
	is, isDep := deprecationReason(new)
	switch {
	case !wasDep && isDep:
		d.add(Safe, DeprecationAdded, path, "deprecated: %s", is)
	case wasDep && !isDep:
		d.add(Safe, DeprecationRemoved, path, "no longer deprecated")
	case wasDep && isDep && was != is:
		d.add(Safe, DeprecationReasonChanged, path, "deprecation reason changed to: %s", is)
	}
}

func (d *differ) description(path, old, new string) {
	switch {
	case old == new:
	case old == "":
		d.add(Safe, DescriptionChanged, path, "description added")
	case new == "":
		d.add(Safe, DescriptionChanged, path, "description removed")
	default:
		d.add(Safe, DescriptionChanged, path, "description changed")
	}
}

// safeOutputChange reports whether a field that returned old may return new without breaking
// a client: only adding non-null wrappers is safe, as a reader of old also reads new.
func safeOutputChange(old, new *ast.Type) bool {
	if new.NonNull && !old.NonNull {
		return safeOutputChange(old, nullable(new))
	}
	if new.NonNull != old.NonNull {
		return false
	}
	if old.Elem == nil || new.Elem == nil {
		return old.Elem == nil && new.Elem == nil && old.NamedType == new.NamedType
	}
	return safeOutputChange(old.Elem, new.Elem)
}

// safeInputChange reports whether an argument or input field that took old may take new
// without breaking a client: only dropping non-null wrappers is safe, as new accepts every
// value old accepted.
func safeInputChange(old, new *ast.Type) bool {
	if old.NonNull && !new.NonNull {
		return safeInputChange(nullable(old), new)
	}
	if new.NonNull != old.NonNull {
		return false
	}
	if old.Elem == nil || new.Elem == nil {
		return old.Elem == nil && new.Elem == nil && old.NamedType == new.NamedType
	}
	return safeInputChange(old.Elem, new.Elem)
}

func nullable(t *ast.Type) *ast.Type {
	c := *t
	c.NonNull = false
	return &c
}

// required reports whether an operation must give the input value.
func required(v inputValue) bool {
	return v.typ.NonNull && v.defaultVal == nil
}

func findInput(list []inputValue, name string) (inputValue, bool) {
	for _, v := range list {
		if v.name == name {
			return v, true
		}
	}
	return inputValue{}, false
}

func valueString(v *ast.Value) string {
	if v == nil {
		return ""
	}
	return v.String()
}

// deprecationReason returns the reason of a @deprecated among dirs, and whether there is one.
// A @deprecated without a reason gets the spec's default reason.
func deprecationReason(dirs ast.DirectiveList) (string, bool) {
	dep := dirs.ForName("deprecated")
	if dep == nil {
		return "", false
	}
	if arg := dep.Arguments.ForName("reason"); arg != nil && arg.Value != nil {
		return arg.Value.Raw, true
	}
	return "No longer supported", true
}

func builtInDirective(d *ast.DirectiveDefinition) bool {
	return d.Position != nil && d.Position.Src != nil && d.Position.Src.BuiltIn
}

func kindName(k ast.DefinitionKind) string {
	switch k {
	case ast.Object:
		return "object type"
	case ast.Interface:
		return "interface"
	case ast.Union:
		return "union"
	case ast.Enum:
		return "enum"
	case ast.InputObject:
		return "input type"
	case ast.Scalar:
		return "scalar"
	}
	return strings.ToLower(string(k))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
