#pragma once
// std::visit with a set of lambdas: Overloaded{[](const A&) {...}, [](const B&) {...}}.

namespace hacluster {

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace hacluster
