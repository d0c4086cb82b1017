import numpy as np
from sklearn.linear_model import ElasticNet
n, p = 30, 6
X = np.array([[((i*7 + j*13) % 11)/5.0 - 1.0 + ((i*j) % 3)*0.1 for j in range(p)] for i in range(n)])
y = np.array([1.5*X[i,0] - 2*X[i,2] + 0.5*X[i,4] + ((i*5) % 7)*0.1 + 3 for i in range(n)])
for a, l in [(0.01, 0.5), (0.1, 0.1), (0.05, 0.9)]:
    m = ElasticNet(alpha=a, l1_ratio=l, tol=1e-10, max_iter=100000).fit(X, y)
    print(a, l, repr([float(c) for c in m.coef_]), float(m.intercept_))
# Weighted: sample_weight = 1 + (i % 4)
sw = np.array([1.0 + (i % 4) for i in range(n)])
m = ElasticNet(alpha=0.01, l1_ratio=0.5, tol=1e-10, max_iter=100000).fit(X, y, sample_weight=sw)
print("weighted", repr([float(c) for c in m.coef_]), float(m.intercept_))
