# Shared by part1-pilot.sh and part1-full.sh (sourced, not run): which Part I items a stratified
# run takes.

# Every item id of a suite, in file order.
ids_of() { grep -o '"id":"[^"]*"' "suites/$1/items.jsonl" | sed 's/"id":"\(.*\)"/\1/'; }

# Every EVERY-th family of a family suite (in id order), one variant per family (v1, v2, v3 in
# turn, so the domains vary), its main item and its matched control, first option order.
family_sample() {
  local suite=$1 every=$2
  ids_of "$suite" | sed 's/--v[0-9]*--.*//' | uniq | awk -v n="$every" 'NR % n == 1 || n == 1' | {
    k=0
    while read -r fam; do
      v=$((k % 3 + 1)); k=$((k + 1))
      echo "$fam--v$v--main--o0"
      echo "$fam--v$v--control--o0"
    done
  }
}
