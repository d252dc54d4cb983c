#pragma once
// Sampling defaults shared by the engine, the project file, the app and the command line.

namespace continuo {

/// Softmax temperature of a continuation.
inline constexpr double kDefaultTemperature = 1.0;

/// Nucleus (top-p) mass. 1 samples the model's whole distribution: at 10 ms per TIME_SHIFT a
/// long pause is many individually unlikely events, and a nucleus cut removes them, so takes
/// come back busier than the piece (the model card's "Sampling" section has the measurements).
inline constexpr double kDefaultTopP = 1.0;

/// What takes written before the default became 1 used; a project file that does not record a
/// take's top-p was written then.
inline constexpr double kTopPOfUnrecordedTakes = 0.95;

/// Recall: the most probability a continuation may borrow from the piece's own history, where
/// the model finds itself where the piece has been before (docs/recall.md). 0 is the network alone.
inline constexpr double kDefaultRecall = 0.3;

/// Takes written before recall existed used none; a project file that does not record a
/// take's recall was written then.
inline constexpr double kRecallOfUnrecordedTakes = 0.0;

} // namespace continuo
