# Generates the constants and struct lists of layout.c from vigil_events.h, so that the layout dumper
# covers every #define, enum value and struct of the header without anyone keeping a list in step.
# Output: lines C(NAME) for each constant and S(NAME) for each struct.
/^#define[ \t]+VIGIL_[A-Z0-9_]+[ \t]+[^ \t]/ { print "C(" $2 ")"; next }
/^enum[ \t]+[a-z_]+[ \t]*\{/ { in_enum = 1; next }
in_enum && /^\};/ { in_enum = 0; next }
in_enum && match($0, /^[ \t]*VIGIL_[A-Z0-9_]+/) {
	name = substr($0, RSTART, RLENGTH); gsub(/[ \t]/, "", name); print "C(" name ")"; next
}
/^struct[ \t]+[a-z_]+[ \t]*\{/ { name = $2; print "S(" name ")" }
