// SampledMetrics: Prometheus families whose values live elsewhere (a cache's
// hit counters, a pool's occupancy) and are read at scrape time through
// callbacks, so the owner needs no Prometheus types. Thread-safe once every
// Add* call is done (add families before registering it with an exposer).
#ifndef STREAMTUNE_SERVER_SERVICE_SAMPLED_METRICS_H_
#define STREAMTUNE_SERVER_SERVICE_SAMPLED_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace streamtune {

class SampledMetrics : public prometheus::Collectable {
 public:
  // One series of a family: its labels and a callback giving its value.
  struct Series {
    std::map<std::string, std::string> labels;
    std::function<double()> value;
  };

  // A counter family (the callbacks must never decrease) / a gauge family.
  // Callbacks run on the scraping thread and must be thread-safe.
  void AddCounter(std::string name, std::string help, std::vector<Series> series);
  void AddGauge(std::string name, std::string help, std::vector<Series> series);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct Family {
    prometheus::MetricFamily shape;  // name, help, type; no samples
    std::vector<Series> series;
  };
  void Add(prometheus::MetricType type, std::string name, std::string help,
           std::vector<Series> series);
  std::vector<Family> families_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_SERVICE_SAMPLED_METRICS_H_
