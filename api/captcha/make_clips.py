"""Regenerate the audio captcha's spoken clips (api/captcha/clips/*.wav) with espeak-ng's Mandarin voice.

Run once by a developer (`python -m api.captcha.make_clips`, needs `apt-get install espeak-ng`); the clips
are committed, so serving the audio captcha needs no system package. Each clip is trimmed of silence and
halved to 11,025 Hz, 16-bit mono (a few KB each).
"""

import array
import io
import subprocess
import sys
import wave
from pathlib import Path

CLIPS = Path(__file__).with_name("clips")
WORDS = {"1": "一", "2": "二", "3": "三", "4": "四", "5": "五", "6": "六", "7": "七", "8": "八", "9": "九",
         "10": "十", "plus": "加", "minus": "减", "question": "等于几"}
SILENCE = 400


def _clip(text: str) -> bytes:
    raw = subprocess.run(["espeak-ng", "-v", "cmn", "-s", "150", "--stdout", text],  # noqa: S603,S607 - a dev tool, fixed words
                         check=True, capture_output=True).stdout
    with wave.open(io.BytesIO(raw)) as w:
        rate, samples = w.getframerate(), array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    loud = [i for i, v in enumerate(samples) if abs(v) > SILENCE]
    samples = samples[loud[0]:loud[-1] + 1]
    halved = array.array("h", ((samples[i] + samples[i + 1]) // 2 for i in range(0, len(samples) - 1, 2)))
    if sys.byteorder == "big":
        halved.byteswap()
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate // 2)
        w.writeframes(halved.tobytes())
    return out.getvalue()


def main() -> None:
    CLIPS.mkdir(exist_ok=True)
    for name, text in WORDS.items():
        (CLIPS / f"{name}.wav").write_bytes(_clip(text))


if __name__ == "__main__":
    main()
