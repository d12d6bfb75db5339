// The first watermark's substitution table (watermark v1, until 2026-12): groups of words
// or short phrases that can stand for one another in ordinary prose, in the line of He et
// al. (AAAI 2022, "Protecting intellectual property of language generation APIs with
// lexical watermark"). Published in this repository, it was removable for free: an
// attacker wrote every member as its group's first (issue 22). The watermark no longer
// marks with it (its lexical carriers are secret, lexicon.ts); it stays as the table of
// remover (a), the public-groups canonicaliser that the remover suite measures.

export interface SynonymGroup {
  /** lower-case members; a member may be two words ("do not") */
  readonly members: readonly string[];
  /** only where a sentence starts (after . ! ? or a line start) and a comma follows */
  readonly sentenceStart?: boolean;
}

const g = (...members: string[]): SynonymGroup => ({ members });
const opener = (...members: string[]): SynonymGroup => ({ members, sentenceStart: true });

export const SYNONYM_GROUPS: readonly SynonymGroup[] = [
  // contractions (two-word members)
  g("don't", "do not"),
  g("doesn't", "does not"),
  g("didn't", "did not"),
  g("can't", "cannot"),
  g("won't", "will not"),
  g("isn't", "is not"),
  g("aren't", "are not"),
  g("wasn't", "was not"),
  g("weren't", "were not"),
  g("shouldn't", "should not"),
  g("wouldn't", "would not"),
  g("couldn't", "could not"),
  g("haven't", "have not"),
  g("hasn't", "has not"),
  g("i'm", "i am"),
  g("you're", "you are"),
  g("we're", "we are"),
  g("they're", "they are"),
  g("you'll", "you will"),
  g("we'll", "we will"),
  g("it'll", "it will"),
  g("you've", "you have"),
  g("we've", "we have"),
  // adverbs
  g("usually", "typically", "generally"),
  g("often", "frequently"),
  g("quickly", "rapidly"),
  g("approximately", "roughly"),
  g("perhaps", "maybe"),
  g("completely", "entirely", "fully"),
  g("especially", "particularly"),
  g("mainly", "primarily", "chiefly"),
  g("certainly", "definitely"),
  g("carefully", "cautiously"),
  g("easily", "readily"),
  g("immediately", "instantly"),
  g("currently", "presently"),
  g("rarely", "seldom"),
  g("slightly", "somewhat"),
  g("eventually", "ultimately"),
  g("initially", "originally"),
  g("recently", "lately"),
  g("accurately", "precisely"),
  g("commonly", "widely"),
  g("essentially", "basically"),
  g("thoroughly", "meticulously"),
  g("clearly", "plainly"),
  // sentence openers (followed by a comma)
  opener("additionally", "furthermore", "moreover", "in addition"),
  opener("however", "nevertheless", "nonetheless"),
  opener("therefore", "thus", "consequently", "as a result"),
  opener("finally", "lastly"),
  opener("for example", "for instance"),
  opener("overall", "in summary", "in short"),
  opener("first", "firstly"),
  opener("second", "secondly"),
  opener("similarly", "likewise"),
  opener("in general", "generally speaking"),
  opener("of course", "naturally"),
  opener("alternatively", "instead"),
  opener("in fact", "indeed"),
  // adjectives
  g("several", "multiple"),
  g("entire", "whole"),
  g("essential", "crucial", "vital"),
  g("enormous", "huge", "immense"),
  g("tiny", "minuscule"),
  g("various", "diverse"),
  g("appropriate", "suitable"),
  g("accurate", "precise"),
  g("additional", "extra"),
  g("beneficial", "advantageous"),
  g("rapid", "swift"),
  g("obvious", "evident"),
  g("simple", "straightforward"),
  g("difficult", "challenging"),
  g("incorrect", "wrong"),
  g("unique", "distinctive"),
  g("primary", "main", "principal"),
  g("helpful", "useful"),
  g("relevant", "pertinent"),
  g("vast", "extensive"),
  // verbs (each form its own group)
  g("choose", "select"),
  g("chooses", "selects"),
  g("choosing", "selecting"),
  g("ensure", "make sure"),
  g("ensures", "makes sure"),
  g("demonstrate", "illustrate"),
  g("demonstrates", "illustrates"),
  g("obtain", "acquire"),
  g("enables", "allows"),
  g("enable", "allow"),
  g("discover", "find out"),
  g("modify", "alter"),
  g("modified", "altered"),
  g("remove", "eliminate"),
  g("removes", "eliminates"),
  g("contains", "includes"),
  g("examine", "inspect"),
  g("reduces", "decreases"),
  g("understand", "comprehend"),
  g("utilize", "employ"),
  g("explain", "clarify"),
  g("explains", "clarifies"),
  g("suggest", "propose"),
  g("suggests", "proposes"),
];
