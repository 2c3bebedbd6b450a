"""Built-in narration for every kind of step, used where a scenario gives none.

Written as narration templates (see stepcnn/scenario/placeholders.py), so they are filled
with the step's live values exactly like a teacher's text.
"""

DEFAULT_TEXT: dict[str, str] = {
    "conv2d.forward": (
        "The filter sits on one patch of the input — every channel of it — and each output cell "
        "is one dot product: multiply the patch by the filter element by element, add everything "
        "up, add the bias. out{index} = {value:.4f}. Only this patch is read (sparse "
        "connectivity), and the same filter is used at every position (shared weights)."
    ),
    "relu.forward": (
        "ReLU keeps positive numbers and turns the rest into 0: out{index} = {value:.4f}."
    ),
    "maxpool2d.forward": (
        "Max-pooling keeps the largest value of each window (the winner, in green); it remembers "
        "where the winner was, because backward will send the gradient there. out{index} = "
        "{value:.4f}."
    ),
    "flatten.forward": (
        "Flatten lays the maps out as one long vector, channel by channel and row by row, so the "
        "fully connected layer can read them. No arithmetic happens."
    ),
    "linear.forward": (
        "A fully connected neuron: row {index} of W times the whole input vector, plus its bias. "
        "Every neuron reads every input (dense connectivity). out{index} = {value:.4f}."
    ),
    "cross_entropy.forward": (
        "Softmax turns the scores into probabilities; the loss of a sample is −log of the "
        "probability given to its true class. L{index} = {value:.4f}."
    ),
    "mse.forward": "The squared difference between prediction and target: e{index} = {value:.4f}.",
    "cross_entropy.mean": (
        "The loss of the batch is the mean of the per-sample losses: L = {value:.4f}."
    ),
    "mse.mean": "The loss is the mean of all the squared differences: L = {value:.4f}.",
    "cross_entropy.backward": (
        "Backward starts here. For softmax + cross-entropy the gradient with respect to each "
        "score is simply (probability − one-hot) / N: dL/dz{index} = {value:.4f}."
    ),
    "mse.backward": "Backward starts here: dL/dy = 2(y − t)/M for each element: {value:.4f}.",
    "linear.backward": (
        "The gradient g = {value:.4f} reaches neuron {index}. Its weight row gets g times the "
        "input (dW += g·x), its bias gets g, and every input gets g times that neuron's weights "
        "(dx += g·W[o]) — this is how the error travels back towards the filters."
    ),
    "flatten.backward": (
        "The gradient vector is folded back into maps of the shape the flatten received: each "
        "number returns to the cell it came from."
    ),
    "maxpool2d.backward": (
        "Only the winner of the window influenced the output, so the whole gradient "
        "g = {value:.4f} goes to the winning cell; the other cells of the window get 0."
    ),
    "relu.backward": (
        "ReLU passes the gradient g = {value:.4f} where its input was positive and blocks it "
        "(0) where the input was 0 or negative."
    ),
    "conv2d.backward": (
        "The gradient g = {value:.4f} of output cell {index} flows back. The filter that made "
        "this cell gets g × the patch it read, ADDED to dW — every position adds into the same "
        "dW: that is what shared weights means. The input patch gets g × the filter (dx)."
    ),
    "conv2d.update": (
        "Gradient descent: filter {index} becomes W − η·dW with η = {lr}. Then the next "
        "iteration starts from the new filters."
    ),
    "linear.update": "Gradient descent on row {index} of W and its bias: W − η·dW with η = {lr}.",
}
