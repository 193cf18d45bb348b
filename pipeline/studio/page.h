// The studio's page (HTML and vanilla JavaScript, no network), built into the binary.
#pragma once

#include <string_view>

namespace shortpack::studio {

std::string_view page_html();

}  // namespace shortpack::studio
