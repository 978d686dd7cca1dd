"""Sample files of the command tests."""

TMX = b"""<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="en" datatype="plaintext" segtype="sentence"
 adminlang="en" creationtool="t" creationtoolversion="1" o-tmf="t"/><body>
<tu><tuv xml:lang="en"><seg>Wash your hands.</seg></tuv>
 <tuv xml:lang="fr"><seg>Lavez-vous les mains.</seg></tuv></tu>
<tu><tuv xml:lang="en"><seg>Cover your cough.</seg></tuv>
 <tuv xml:lang="fr"><seg>Couvrez votre toux.</seg></tuv></tu>
</body></tmx>"""
"""Two en -> fr units."""
