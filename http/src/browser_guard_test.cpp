#include "maic/http/browser_guard.hpp"

#include <gtest/gtest.h>

namespace maic::http {
namespace {

Request with(std::vector<Headers::Field> fields) {
  Request r;
  r.method = "POST";
  for (auto& f : fields) r.headers.add(std::move(f.name), std::move(f.value));
  return r;
}

TEST(UrlAuthority, IsTheHostAndPortOfAnAbsoluteUrl) {
  EXPECT_EQ(url_authority("https://a.example:8443/p?q#f"), "a.example:8443");
  EXPECT_EQ(url_authority("http://10.0.0.5"), "10.0.0.5");
  EXPECT_EQ(url_authority("http://[::1]:80/x"), "[::1]:80");
  EXPECT_EQ(url_authority("null"), std::nullopt);
  EXPECT_EQ(url_authority("/relative"), std::nullopt);
}

// {fields, refused under kRefuseCrossSite, under kRefuseSameSite, why}.
struct Case {
  std::vector<Headers::Field> fields;
  bool cross_only, same_too;
  std::string_view why;
};

TEST(RefuseCrossSite, RefusesWhatABrowserMarksAsAnotherSites) {
  const Case cases[] = {
      {{}, false, false, "a script sends none of these"},
      {{{"Sec-Fetch-Mode", "cors"}}, false, false, "Node's fetch"},
      {{{"Host", "d:80"}, {"Origin", "http://d:80"}}, false, false, "same origin"},
      {{{"Host", "D:80"}, {"Origin", "http://d:80"}}, false, false, "hosts compare without case"},
      {{{"Host", "d:80"}, {"Origin", "http://evil:80"}}, true, true, "a foreign Origin"},
      {{{"Host", "d:80"}, {"Origin", "http://d:81"}}, true, true, "another port is another origin"},
      {{{"Host", "d"}, {"Origin", "null"}}, true, true, "Origin null"},
      {{{"Origin", "http://d"}}, true, true, "an Origin without a Host"},
      {{{"Host", "d"}, {"Referer", "http://evil/page"}}, true, true, "a foreign Referer"},
      {{{"Host", "d"}, {"Referer", "http://d/page"}}, false, false, "our own Referer"},
      {{{"Host", "d"}, {"Origin", "http://d"}, {"Referer", "http://evil/"}},
       false,
       false,
       "Origin decides when both are sent"},
      {{{"Sec-Fetch-Site", "cross-site"}}, true, true, "Sec-Fetch-Site cross-site"},
      {{{"Sec-Fetch-Site", "Cross-Site"}}, true, true, "values compare without case"},
      {{{"Sec-Fetch-Site", "same-site"}}, false, true, "same-site: the policy decides"},
      {{{"Sec-Fetch-Site", "same-origin"}}, false, false, "same-origin"},
      {{{"Sec-Fetch-Site", "none"}}, false, false, "typed by the user"},
  };
  for (const Case& c : cases) {
    const Request r = with(c.fields);
    const auto cross = refuse_cross_site(r, SitePolicy::kRefuseCrossSite);
    const auto same = refuse_cross_site(r, SitePolicy::kRefuseSameSite);
    EXPECT_EQ(cross.has_value(), c.cross_only) << c.why;
    EXPECT_EQ(same.has_value(), c.same_too) << c.why;
    if (same) {
      EXPECT_EQ(same->status, 403) << c.why;
      EXPECT_NE(same->body.find("cross-site request refused"), std::string::npos) << same->body;
    }
  }
}

TEST(BrowserMarked, IsAnyFetchMetadataButModeOrAnOrigin) {
  EXPECT_FALSE(browser_marked(with({})));
  EXPECT_FALSE(browser_marked(with({{"Sec-Fetch-Mode", "cors"}}))) << "Node's fetch";
  EXPECT_FALSE(browser_marked(with({{"Cookie", "a=b"}, {"Host", "x"}})));
  for (std::string_view field :
       {"Sec-Fetch-Site", "Sec-Fetch-Dest", "Sec-Fetch-User", "Origin", "Referer"}) {
    EXPECT_TRUE(browser_marked(with({{std::string(field), "x"}}))) << field;
  }
}

TEST(RefuseNonJson, TakesApplicationJsonWithParametersOnly) {
  for (std::string_view type : {"application/json", "application/json; charset=utf-8",
                                "Application/JSON", " application/json "}) {
    EXPECT_FALSE(refuse_non_json(with({{"Content-Type", std::string(type)}}))) << type;
  }
  for (std::string_view type : {"text/plain", "application/x-www-form-urlencoded",
                                "multipart/form-data; boundary=x", "application/jsonx", ""}) {
    const auto refused = refuse_non_json(with({{"Content-Type", std::string(type)}}));
    ASSERT_TRUE(refused) << type;
    EXPECT_EQ(refused->status, 415);
  }
  EXPECT_TRUE(refuse_non_json(with({}))) << "no Content-Type";
}

TEST(RefuseWrongCsrf, NeedsTheHeaderEqualToTheSessionsToken) {
  EXPECT_FALSE(refuse_wrong_csrf(with({{"X-CSRF-Token", "abc"}}), "abc"));
  EXPECT_TRUE(refuse_wrong_csrf(with({{"X-CSRF-Token", "abd"}}), "abc"));
  EXPECT_TRUE(refuse_wrong_csrf(with({{"X-CSRF-Token", "ab"}}), "abc"));
  EXPECT_TRUE(refuse_wrong_csrf(with({}), "abc"));
  const auto no_session = refuse_wrong_csrf(with({{"X-CSRF-Token", ""}}), "");
  ASSERT_TRUE(no_session) << "an empty token never matches";
  EXPECT_EQ(no_session->status, 403);
}

TEST(HostAllowList, AcceptsAddressesLocalhostAndTheGivenNames) {
  const HostAllowList hosts({"maic-d103", "meter.example.org."});
  for (std::string_view host :
       {"192.168.1.5", "192.168.1.5:8080", "[::1]", "[fe80::1]:80", "localhost", "LOCALHOST:80",
        "maic-d103", "maic-d103:80", "MAIC-D103.local", "maic-d103.local.", "meter.example.org",
        "meter.example.org.:443"}) {
    EXPECT_TRUE(hosts.allows(host)) << host;
  }
  for (std::string_view host : {"evil.example", "maic-d103.evil.example", "192.168.1.5.nip.io",
                                "1.2.3", "[::1", "meter.example.org.local", "", "localhost.evil"}) {
    EXPECT_FALSE(hosts.allows(host)) << host;
  }
  EXPECT_TRUE(HostAllowList({"*"}).allows("anything.example"));
}

TEST(RefuseForeignHost, RefusesOnlyANameNotInTheList) {
  const HostAllowList hosts({"d"});
  EXPECT_FALSE(refuse_foreign_host(with({}), hosts)) << "no Host: not a browser";
  EXPECT_FALSE(refuse_foreign_host(with({{"Host", "d:80"}}), hosts));
  const auto refused = refuse_foreign_host(with({{"Host", "rebound.example"}}), hosts);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(refused->body.find("Host"), std::string::npos);
}

}  // namespace
}  // namespace maic::http
