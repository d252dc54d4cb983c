#pragma once
// Recall: the piece's own history as a second predictor beside the network (a continuous
// cache, Grave, Joulin & Usunier 2017). Every event the model has read leaves an entry: the
// final layer's output where the event was predicted (normalised) and the event that came.
// When the model's present state is close to one it was in long ago, the events that followed
// then are likely now: a phrase that comes back is recognised by the state it leaves, however
// far back it was and whether or not the attention still reaches it. The newest entries are
// left out (`minDistance`): recent music is the attention's to read, and counting it twice
// only makes the model overconfident. docs/recall.md has the measurements behind each number.
#include "continuo/core/Sampling.h"

#include <cstdint>

namespace continuo::inference {

struct RecallOptions {
    /// The share of probability recall may take at most (0 turns recall off).
    double weight = kDefaultRecall;
    /// Sharpness of the similarity (cosine) softmax over entries.
    double sharpness = 40;
    /// The cosine at which an entry counts as much as the network does. Entries much less
    /// similar than this give their mass back to the network; many close ones take up to `weight`.
    double threshold = 0.9;
    /// Entries from the last `minDistance` events are not recalled.
    int minDistance = 64;
    /// At most this many entries are kept, the newest (at 30–40 events a second of piano,
    /// 4,096 is about two minutes).
    int capacity = 4096;

    bool enabled() const { return weight > 0 && capacity > 0; }
    static RecallOptions off() {
        RecallOptions o;
        o.weight = 0;
        return o;
    }
};

} // namespace continuo::inference
