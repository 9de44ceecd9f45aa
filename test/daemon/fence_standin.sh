#!/bin/sh
# A stand-in fence agent with Debian fence-agents' stdin protocol: key=value lines
# (action, plug, port, nodename, then the device's params). It records what it
# got in the file named by record=, and ends as result= says: ok (exit 0), fail
# (exit 1, a message on stderr), hang (sleeps until killed).
record=/dev/null
result=ok
input=""
while IFS= read -r line; do
    input="$input$line
"
    case "$line" in
        record=*) record=${line#record=} ;;
        result=*) result=${line#result=} ;;
    esac
done
printf '%s' "$input" >> "$record"
echo "--" >> "$record"
case "$result" in
    ok) echo "Success: Powered OFF"; exit 0 ;;
    fail) echo "Failed: Unable to obtain correct plug status or plug is not available" >&2; exit 1 ;;
    hang) exec sleep 60 ;;
esac
exit 2
