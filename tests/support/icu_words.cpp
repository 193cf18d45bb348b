#include "support/icu_words.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/ubrk.h>
#include <unicode/unistr.h>

#include <memory>
#include <stdexcept>

namespace shortpack::test {

std::vector<IcuWord> icu_words(const std::string& text, const char* language) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Locale locale = icu::Locale::forLanguageTag(language, status);
  std::unique_ptr<icu::BreakIterator> words(icu::BreakIterator::createWordInstance(locale, status));
  std::unique_ptr<icu::BreakIterator> graphemes(icu::BreakIterator::createCharacterInstance(locale, status));
  if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU has no break iterators for ") + language);
  const icu::UnicodeString u = icu::UnicodeString::fromUTF8(text);
  words->setText(u);
  graphemes->setText(u);
  std::vector<IcuWord> out;
  for (int32_t a = words->first(), b = words->next(); b != icu::BreakIterator::DONE;
       a = b, b = words->next()) {
    if (words->getRuleStatus() == UBRK_WORD_NONE) continue;
    IcuWord w;
    u.tempSubStringBetween(a, b).toUTF8String(w.text);
    for (int32_t g = graphemes->following(a); g != icu::BreakIterator::DONE && g <= b; g = graphemes->next())
      ++w.graphemes;
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace shortpack::test
