#!/usr/bin/env bash
# test-po.sh: po/POTFILES.in lists every file with translatable strings (and only existing
# files, sorted); strings a user reads in the app and the CLI's own messages are marked for
# translation; every language of po/LINGUAS passes `msgfmt --check` with at least 98 % of
# its messages translated.
# Usage: test-po.sh SOURCE_ROOT
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail
cd "$1" || exit 1
status=0
fail() { echo "FAIL: $*" >&2; status=1; }
command -v msgfmt >/dev/null || { echo "FAIL: msgfmt missing (gettext)" >&2; exit 1; }

listed=$(grep -v '^#' po/POTFILES.in | sed '/^$/d')
[ "$listed" = "$(printf '%s\n' "$listed" | LC_ALL=C sort)" ] || fail "po/POTFILES.in is not sorted"
for f in $listed; do [ -f "$f" ] || fail "po/POTFILES.in lists $f, which does not exist"; done

# Files with marked strings must be listed.
marked=$( { grep -rlE '(^|[^A-Za-z0-9_])(N?C?_|ngettext|g_dngettext|pm_cli_context_new) ?\(' --include='*.c' src;
            grep -rl 'translatable="yes"' ui;
            ls data/*.desktop.in data/*.metainfo.xml.in data/*.gschema.xml; } | LC_ALL=C sort -u)
for f in $marked; do
  grep -qxF "$f" po/POTFILES.in || fail "$f has translatable strings but is not in po/POTFILES.in"
done

# Strings a user reads, left unmarked: a string literal (starting with a letter) given
# directly to a call that shows it, in the app and in the CLI's own messages.
shown='g_set_error|g_set_error_literal|adw_toast_new|adw_toast_new_format|gtk_label_new|gtk_label_set_text|gtk_label_set_label|gtk_button_set_label|gtk_widget_set_tooltip_text|gtk_window_set_title|adw_window_title_set_title|adw_window_title_set_subtitle|adw_preferences_row_set_title|adw_action_row_set_subtitle|adw_preferences_group_set_title|adw_preferences_group_set_description|adw_status_page_set_title|adw_status_page_set_description|adw_message_dialog_new|adw_message_dialog_add_response|gtk_editable_set_text|gtk_entry_set_placeholder_text|gtk_text_set_placeholder_text|adw_expander_row_set_subtitle|gtk_check_button_set_label|gtk_file_chooser_native_new'
unmarked=$(perl -0777 -ne '
  my $file = $ARGV;
  while (/\b('"$shown"')\s*\(((?:[^();"]|"(?:[^"\\]|\\.)*"|\((?:[^()"]|"(?:[^"\\]|\\.)*")*\))*?)"([A-Za-z][^"]*)"/g) {
    my ($fn, $args, $lit) = ($1, $2, $3);
    next if $args =~ /(_|N_|C_)\s*\($/;
    my $line = 1 + (substr($_, 0, pos($_)) =~ tr/\n//);
    print "$file:$line: $fn (…\"$lit\")\n";
  }' src/app/*.c)
[ -z "$unmarked" ] || fail "user-visible strings not marked for translation:
$unmarked"
cli=$(perl -0777 -ne '
  my $file = $ARGV;
  while (/\b(fprintf\s*\(\s*(?:stderr|out|stdout)|g_printerr|g_print)\s*\(?\s*,?\s*"([A-Za-z][^"]*)"/g) {
    my $line = 1 + (substr($_, 0, pos($_)) =~ tr/\n//);
    print "$file:$line: \"$2\"\n";
  }' src/cli/main.c)
[ -z "$cli" ] || fail "CLI messages not marked for translation:
$cli"

# Every language: valid, and at least 98 % of the messages the sources have today translated
# (each .po merged with a fresh template, so a string added since the last update counts as
# untranslated instead of being missed).
pot=$(mktemp); merged=$(mktemp); trap 'rm -f "$pot" "$merged"' EXIT
xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=ngettext:1,2 --keyword=g_dngettext:2,3 --keyword=pm_cli_context_new:3 \
  --keyword=pm_cli_error:2 --flag=pm_cli_error:2:c-format \
  --flag=g_strdup_printf:1:c-format -f po/POTFILES.in -o "$pot" 2>/dev/null \
  || fail "xgettext failed"
grep -qx de po/LINGUAS || fail "po/LINGUAS lacks de"
grep -qx fr po/LINGUAS || fail "po/LINGUAS lacks fr"
for lang in $(grep -v '^#' po/LINGUAS); do
  LC_ALL=C msgfmt --check -o /dev/null "po/$lang.po" 2>&1 || { fail "po/$lang.po does not check"; continue; }
  msgmerge --quiet --no-fuzzy-matching -o "$merged" "po/$lang.po" "$pot" || { fail "msgmerge po/$lang.po"; continue; }
  stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$merged" 2>&1) \
    || { fail "po/$lang.po merged: $stats"; continue; }
  done_n=$(sed -n 's/^\([0-9]*\) translated message.*/\1/p' <<<"$stats")
  fuzzy=$(sed -n 's/.* \([0-9]*\) fuzzy translation.*/\1/p' <<<"$stats")
  untr=$(sed -n 's/.* \([0-9]*\) untranslated message.*/\1/p' <<<"$stats")
  total=$(( ${done_n:-0} + ${fuzzy:-0} + ${untr:-0} ))
  pct=$(( 1000 * ${done_n:-0} / (total > 0 ? total : 1) ))
  echo "$lang: $stats ($((pct / 10)).$((pct % 10)) % of the sources' $total messages)"
  [ "$total" -ge 600 ] || fail "only $total messages in the template: is xgettext missing files?"
  [ "$pct" -ge 980 ] || fail "po/$lang.po: only $((pct / 10)).$((pct % 10)) % translated (run msgmerge and translate)"
done
exit $status
