// Parse-only baseline for the lurewatch benchmark: how fast can the fastest JSON parser
// available on Debian get through the same JSON-lines file, doing no detection at all?
//
// usage: simdjson-parse [dom|ondemand] FILE
//   dom       parse_many: every document is fully parsed and validated into a DOM tape,
//             then touched (winlog.event_id read). This is the fair floor for a tool that
//             must look at every field of every record.
//   ondemand  iterate_many: stage-1 structural indexing of the whole file, then only
//             winlog.event_id and winlog.event_data.TargetFilename are materialised per
//             document; the rest is skipped. A lower bound that no rule engine reaches.
// Prints "docs=N bytes=B checksum=C" on stdout; exit 1 on a parse error.
// Built by bench/run.sh with: g++ -O3 -march=native -o simdjson-parse simdjson-parse.cpp -lsimdjson
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

static int run_dom(const simdjson::padded_string &buf)
{
    simdjson::dom::parser parser;
    simdjson::dom::document_stream docs;
    if (parser.parse_many(buf, 1 << 20).get(docs)) {
        fprintf(stderr, "simdjson-parse: parse_many failed\n");
        return 1;
    }
    uint64_t n = 0, sum = 0;
    for (auto doc : docs) {
        simdjson::dom::element e;
        if (doc.get(e)) {
            fprintf(stderr, "simdjson-parse: parse error at document %llu\n",
                    (unsigned long long)n);
            return 1;
        }
        int64_t id = 0;
        if (!e["winlog"]["event_id"].get_int64().get(id))
            sum += (uint64_t)id;
        n++;
    }
    printf("docs=%llu bytes=%zu checksum=%llu\n", (unsigned long long)n, buf.size(),
           (unsigned long long)sum);
    return 0;
}

static int run_ondemand(const simdjson::padded_string &buf)
{
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document_stream docs;
    if (parser.iterate_many(buf, 1 << 20).get(docs)) {
        fprintf(stderr, "simdjson-parse: iterate_many failed\n");
        return 1;
    }
    uint64_t n = 0, sum = 0;
    for (auto doc : docs) {
        simdjson::ondemand::object winlog;
        if (doc["winlog"].get_object().get(winlog)) {
            fprintf(stderr, "simdjson-parse: document %llu has no winlog object\n",
                    (unsigned long long)n);
            return 1;
        }
        // Fields are read in document order (event_data precedes event_id) so on-demand
        // never has to rewind.
        std::string_view tf;
        if (!winlog["event_data"]["TargetFilename"].get_string().get(tf))
            sum += tf.size();
        int64_t id = 0;
        if (!winlog["event_id"].get_int64().get(id))
            sum += (uint64_t)id;
        n++;
    }
    printf("docs=%llu bytes=%zu checksum=%llu\n", (unsigned long long)n, buf.size(),
           (unsigned long long)sum);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "dom") != 0 && strcmp(argv[1], "ondemand") != 0)) {
        fprintf(stderr, "usage: simdjson-parse dom|ondemand FILE\n");
        return 2;
    }
    simdjson::padded_string buf;
    if (simdjson::padded_string::load(argv[2]).get(buf)) {
        fprintf(stderr, "simdjson-parse: cannot read %s\n", argv[2]);
        return 1;
    }
    return strcmp(argv[1], "dom") == 0 ? run_dom(buf) : run_ondemand(buf);
}
