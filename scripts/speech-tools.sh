# Sourced by ./test.sh after throwaway-postgres.sh (for log and apt_install): installs the real transcription engine
# the Conveyor.Sessions tests run, Debian 12's pocketsphinx (5prealpha: pocketsphinx_continuous) with its en-us
# model, and espeak-ng and sox, which make and convert the test speech. Missing ones come from Debian's packages.
speech_tools_install() {
  local missing=()
  command -v pocketsphinx_continuous >/dev/null || missing+=(pocketsphinx)
  [ -d /usr/share/pocketsphinx/model/en-us/en-us ] || missing+=(pocketsphinx-en-us)
  command -v espeak-ng >/dev/null || missing+=(espeak-ng)
  command -v sox >/dev/null || missing+=(sox)
  [ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"
}
